import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from wangge.core.coords import gcj02_to_wgs84, wgs84_to_gcj02


def test_the_offset_in_shaodong_is_a_few_hundred_metres() -> None:
    lon, lat = wgs84_to_gcj02(np.array([111.745]), np.array([27.255]))
    # Around 0.005° east and 0.003° south in Hunan: hundreds of metres, as map users see.
    assert 0.003 < lon[0] - 111.745 < 0.007
    assert -0.005 < lat[0] - 27.255 < 0.0


def test_points_outside_china_are_not_shifted() -> None:
    lon, lat = wgs84_to_gcj02(np.array([2.35]), np.array([48.85]))
    assert (lon[0], lat[0]) == (2.35, 48.85)


@settings(max_examples=200, deadline=None)
@given(st.floats(73, 135), st.floats(18, 53))
def test_the_inverse_returns_to_within_a_centimetre(lon: float, lat: float) -> None:
    g = wgs84_to_gcj02(np.array([lon]), np.array([lat]))
    w = gcj02_to_wgs84(*g)
    assert abs(w[0][0] - lon) < 1e-7 and abs(w[1][0] - lat) < 1e-7
