"""Views of a case and of many, built once for the CLI, the API and the figures: its timeline
(timeline), data loop (flywheel), actors (actors), the comparison of cities (comparison) and the
codebook of an exported table (codebook)."""
