"""Candidates for a brief found by NLP over the article (spaCy when installed, rules otherwise)."""
