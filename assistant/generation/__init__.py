"""Drafting copy with LLM chains: prompts from files, structured output, stored with its figures."""
