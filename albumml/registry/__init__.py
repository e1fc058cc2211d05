"""The MLflow side of albumml: tracking, the tag and metric schema, model resolution and loading, the champion
lookup and the registration gate. Everything above (analysis, entry points) finds models through here."""
