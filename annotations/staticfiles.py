"""Static files in production without a collectstatic trap."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class CollectedOrPlainStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Hashed, compressed file names once `collectstatic` has written its manifest; until then the
    plain names, which whitenoise serves straight from the apps (WHITENOISE_USE_FINDERS), so a
    forgotten collectstatic costs long-term caching instead of a 500 on every page."""

    def stored_name(self, name):
        if not self.hashed_files:  # no manifest yet: collectstatic has not run
            return name
        return super().stored_name(name)
