"""The contract over its term: pricing under volume risk, the term, and the hiring plan that
has to deliver the standard (``hiring``)."""
