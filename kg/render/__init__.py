"""What people read and look at: result tables (tables), figures (plot), the ontology's HTML
reference (docs) and its derived RDF/XML and JSON-LD files (derived)."""
