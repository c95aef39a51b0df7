"""The REST resources, gathered from their modules: the cases and what they show
(:mod:`api.cases`), the named queries (:mod:`api.named_queries`), the ontology and shapes
(:mod:`api.reference`), validation and writes (:mod:`api.writes`)."""

from fastapi import APIRouter

from api import cases, named_queries, reference, writes

router = APIRouter()
router.include_router(cases.router)
router.include_router(named_queries.router)
router.include_router(reference.router)
router.include_router(writes.router)
