"""Text analysis: HTML to text, language detection, tokens and lemmas. Pure functions."""
