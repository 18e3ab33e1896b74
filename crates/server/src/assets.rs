//! The web map's files, built into the binary (`scripts/build-web.sh` writes them into
//! `crates/server/assets/`, where they are committed).
//!
//! Only the names in [`FILES`] are served, compared as exact strings with the request
//! path: there is no file system behind this, so no path (`/../../etc/passwd`, encoded or
//! not) can reach anything else.

use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use crate::ApiError;

/// One embedded file.
#[derive(Debug, Clone, Copy)]
pub struct Asset {
    /// Request path.
    pub path: &'static str,
    /// Content type.
    pub content_type: &'static str,
    /// Contents.
    pub bytes: &'static [u8],
}

/// Every file served.
pub const FILES: &[Asset] = &[
    Asset {
        path: "/index.html",
        content_type: "text/html; charset=utf-8",
        bytes: include_bytes!("../assets/index.html"),
    },
    Asset {
        path: "/app.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../assets/app.js"),
    },
    Asset {
        path: "/app.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../assets/app.css"),
    },
    Asset {
        path: "/world.json",
        content_type: "application/json",
        bytes: include_bytes!("../assets/world.json"),
    },
    Asset {
        path: "/licenses.txt",
        content_type: "text/plain; charset=utf-8",
        bytes: include_bytes!("../assets/licenses.txt"),
    },
];

/// The file at `path` (`/` is `/index.html`).
pub fn find(path: &str) -> Option<&'static Asset> {
    let path = if path == "/" { "/index.html" } else { path };
    FILES.iter().find(|a| a.path == path)
}

/// The fallback handler: an embedded file, or 404.
pub(crate) async fn asset(method: Method, uri: Uri) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return ApiError::new(StatusCode::NOT_FOUND, "not found").into_response();
    }
    match find(uri.path()) {
        Some(a) => {
            let mut r = Response::new(a.bytes.into());
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(a.content_type));
            r.headers_mut().insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            r
        }
        None => ApiError::new(StatusCode::NOT_FOUND, "not found").into_response(),
    }
}
