"""The server's settings (.streamlit/config.toml, issue 20): localhost only, no error details in the
browser (values read back through streamlit's own config parser)."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_serves_localhost_and_hides_error_details():
    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert cfg["server"]["address"] == "localhost"
    # "none": a generic message only; `false` would mean "stacktrace" (a traceback in the page)
    assert cfg["client"]["showErrorDetails"] == "none"


def test_streamlit_accepts_the_values():
    from streamlit import config

    config._config_options = None  # re-read the files from this checkout
    import os

    cwd = os.getcwd()
    try:
        os.chdir(ROOT)
        config.get_config_options(force_reparse=True)
        assert config.get_option("server.address") == "localhost"
        assert config.get_option("client.showErrorDetails") == "none"
        # a slider move pays neither a full garbage collection (185 ms) nor a poll of every module
        assert config.get_option("runner.postScriptGC") is False
        assert config.get_option("server.fileWatcherType") == "none"
    finally:
        os.chdir(cwd)
        config.get_config_options(force_reparse=True)


def test_readme_says_how_to_serve_a_classroom():
    text = (ROOT / "README.md").read_text()
    assert "--server.address 0.0.0.0" in text and "localhost" in text
