"""Knowledge base articles: what agents read while they answer, and what customers and
the bot are shown when an article is public."""
