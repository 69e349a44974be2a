"""Text -> candidates with their rule and score: the matcher, near misses, degree qualifiers,
compound statements. No policy here."""
