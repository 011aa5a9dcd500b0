"""Offline text models: intent (scikit-learn) and sentiment (VADER)."""
