"""RDF in and out: reading case files with positions in errors (read), JSON-LD (jsonld), writing
a case in an RDF syntax (write), how typed values are spelled (lexical) and what a case may be
called (names)."""
