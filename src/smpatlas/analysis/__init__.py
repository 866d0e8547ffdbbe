"""Analysis of an inventory: overview now; statistics, assessment and alignment build on it."""
