"""The product's settings with the benchmark's URLconf (adds the bare view)."""

from zomanc.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
