"""The performance app's import kinds (found by `autodiscover`): each part registers its own."""

from wangge.performance import imports_targets  # noqa: F401  (registers `targets`)
