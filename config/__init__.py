"""The project's configuration: settings, URL routes, websocket routes and the ASGI application.

The features are apps beside it: playground (the page and its session websocket, with the kernels),
sharing (snippet links, their pages, embeds and API), scratch (the session's files over HTTP)."""
