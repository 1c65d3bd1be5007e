"""AppTest of the morph pad on pages/4_Interpolation.py (explorer/ui/pad.py): the corners give
exactly the corner sounds, moving changes the sound, the link holds the position and corners."""

import pytest

from tests.pages.apptest import assert_healthy, run_page

STEPS = 3  # the morph's players come first: the morph, then each step, then the pad


def _app(**query):
    return run_page("4_Interpolation.py", im_steps=str(STEPS), **query)


def _pad_url(at) -> str:
    return at.get("audio")[1 + STEPS].proto.url


def _step_url(at, k: int) -> str:
    return at.get("audio")[1 + k].proto.url


@pytest.mark.parametrize("x,y,step", [("0", "0", 0), ("1", "0", STEPS - 1)])
def test_top_corners_are_the_morph_ends(x, y, step):
    at = _app(im_pad_x=x, im_pad_y=y)
    assert_healthy(at)
    assert _pad_url(at) == _step_url(at, step)  # media URLs hash the bytes: the same samples
    assert any(c.value.startswith("Mix of the corners") and ("A 100%" if step == 0 else "B 100%") in c.value
               for c in at.caption)


def test_bottom_corners_follow_c_and_d():
    at = _app(im_pad_x="0", im_pad_y="1")
    assert_healthy(at)
    c3 = _pad_url(at)
    at.number_input(key="im_seed_c").set_value(9).run()
    assert_healthy(at)
    assert _pad_url(at) != c3  # C moved
    top = _app(im_pad_x="0", im_pad_y="0", im_seed_c="9")
    assert _pad_url(top) == _step_url(top, 0)  # A did not
    bottom = _app(im_pad_x="0", im_pad_y="1", im_seed_c="9")
    assert _pad_url(bottom) == _pad_url(at)  # the link holds the corner


def test_moving_changes_the_sound_and_the_link_reproduces_it():
    at = _app()
    assert_healthy(at)
    middle = _pad_url(at)
    at.slider(key="im_pad_x").set_value(0.8).run()
    at.slider(key="im_pad_y").set_value(0.3).run()
    assert_healthy(at)
    assert _pad_url(at) != middle
    assert any("across 0\\.80, down 0\\.30" in c.value for c in at.caption)
    assert _pad_url(_app(im_pad_x="0.8", im_pad_y="0.3")) == _pad_url(at)


@pytest.mark.parametrize("query", [{"im_pad_x": "7"}, {"im_pad_y": "-1"}, {"im_pad_x": "abc"}, {"im_seed_d": "x"}])
def test_bad_pad_links_are_ignored_with_a_notice(query):
    at = _app(**query)
    assert_healthy(at)
    assert any("Ignored from the link" in w.value for w in at.warning)


def test_the_pad_works_for_the_gp():
    at = _app(im_model="GP", im_pad_x="0.5", im_pad_y="0.5")
    assert_healthy(at)
    assert any("A's kernel" in c.value for c in at.caption)
