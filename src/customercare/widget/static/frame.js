/* Placeholder: the widget build (widget/) writes the real frame script here. */
