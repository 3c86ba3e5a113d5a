from rest_framework import serializers


class ReadOnlyModelSerializer(serializers.ModelSerializer):
    """For the read-only public API: every field is output only, so the OpenAPI schema marks each
    one as always present (a field that is empty comes as "" or null, never missing)."""

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            field.read_only = True
        return fields
