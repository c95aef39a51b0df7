"""Checking cases and the ontology: SHACL validation (validation) and its report (report), HermiT
reasoning (reasoning) and the ontology's own lint (lint)."""
