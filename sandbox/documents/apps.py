from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "sandbox.documents"
    label = "sandbox_documents"

    def ready(self) -> None:
        # Registers the EHR document SOAP service. Its XSD and the HL7 CDA R2 schema are
        # compiled once, at import — never per request.
        from sandbox.documents import soap  # noqa: F401
