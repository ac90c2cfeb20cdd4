"""The README documents every setting there is."""

from pathlib import Path

from fangpin.parts import PARTS
from services.common.settings import RuntimeSettings

README = (Path(__file__).parent.parent / "README.md").read_text()


def test_every_setting_is_in_the_readme() -> None:
    missing = [
        f"FANGPIN_{name.upper()}"
        for name in RuntimeSettings.model_fields
        if f"FANGPIN_{name.upper()}" not in README
    ]
    for part in PARTS.values():
        for name in part.settings_cls.model_fields:
            shared, own = f"FANGPIN_{name.upper()}", f"FANGPIN_{part.name.upper()}_{name.upper()}"
            if shared not in README and own not in README:
                missing.append(own)
    assert not missing, f"settings missing from README.md: {missing}"


def test_quick_start_has_the_two_commands() -> None:
    assert "./dev up" in README and "./dev test" in README
