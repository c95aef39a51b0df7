"""Checking cases and the ontology: SHACL validation (validation, with pySHACL checking each
SPARQL constraint's text once: constraint_texts) and its report (report), HermiT reasoning
(reasoning) and the ontology's own lint (lint)."""
