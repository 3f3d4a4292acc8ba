"""The embedded router's trained artefact (embedded_router.joblib), shipped with the package."""
