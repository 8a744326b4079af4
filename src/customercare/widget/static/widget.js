/* Placeholder: the widget build (widget/) writes the real loader here. */
