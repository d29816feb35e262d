"""Demo data shipped with the package (departments, knowledge articles) and the code that loads it."""
