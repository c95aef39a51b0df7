"""SPARQL as flywheel reads it: the tokenizer (lexer), the check every query passes before it
runs (check) and the named queries of queries/ with their typed parameters (named)."""
