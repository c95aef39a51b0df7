"""The single place that holds the version of the package and of the ontology it ships."""

__version__ = "0.2.0"
ONTOLOGY_IRI = "https://w3id.org/dataflywheel/ontology"
ONTOLOGY_VERSION_IRI = f"{ONTOLOGY_IRI}/{__version__}"
