import pytest

from briefer.urls import redact_url


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://me:pw@x.org/a", "https://x.org/a"),
        ("https://tok@x.org:8443/a", "https://x.org:8443/a"),
        ("https://x.org/a?token=abc&page=2", "https://x.org/a?token=REDACTED&page=2"),
        (
            "https://x.org/a?api_key=1&access_token=2",
            "https://x.org/a?api_key=REDACTED&access_token=REDACTED",
        ),
        ("https://x.org/a?X-Amz-Signature=ff", "https://x.org/a?X-Amz-Signature=REDACTED"),
        ("https://x.org/a?page=2&monkey=3", "https://x.org/a?page=2&monkey=3"),
        ("https://x.org/a#top", "https://x.org/a#top"),
        ("not a url", "not a url"),
    ],
)
def test_redact_url_drops_credentials_and_secret_query_values(url: str, shown: str) -> None:
    assert redact_url(url) == shown
