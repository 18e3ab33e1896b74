//! The web map's files, built into the binary (`scripts/build-web.sh` writes them into
//! `crates/server/assets/`, where they are committed).
//!
//! Only the names in [`FILES`] are served, compared as exact strings with the request
//! path: there is no file system behind this, so no path (`/../../etc/passwd`, encoded or
//! not) can reach anything else.
//!
//! Each file carries an `ETag` (a hash of its bytes) and `Cache-Control: no-cache`: a
//! browser keeps the files and asks each time whether they changed, and a file that did not
//! is answered `304 Not Modified` without its body. A page opened again then reads the
//! bundle from its cache, where Chromium also keeps the compiled script, instead of
//! downloading and compiling 1 MB again; a new binary's files are taken at once.

use std::sync::OnceLock;

use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
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

impl Asset {
    /// The file's entity tag: `"` 16 hex digits of the FNV-1a hash of its bytes `"`,
    /// computed once.
    pub fn etag(&'static self) -> &'static str {
        static TAGS: OnceLock<Vec<String>> = OnceLock::new();
        let tags = TAGS.get_or_init(|| {
            FILES
                .iter()
                .map(|a| {
                    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
                    for b in a.bytes {
                        h ^= u64::from(*b);
                        h = h.wrapping_mul(0x0000_0100_0000_01b3);
                    }
                    format!("\"{h:016x}\"")
                })
                .collect()
        });
        let i = FILES.iter().position(|a| a.path == self.path).unwrap_or(0);
        &tags[i]
    }
}

/// True when an `If-None-Match` header names `etag` (or is `*`).
fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim())
        .any(|t| t == "*" || t == etag || t.strip_prefix("W/") == Some(etag))
}

/// The fallback handler: an embedded file, or 404.
pub(crate) async fn asset(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return ApiError::new(StatusCode::NOT_FOUND, "not found").into_response();
    }
    match find(uri.path()) {
        Some(a) => {
            let etag = a.etag();
            let mut r = if not_modified(&headers, etag) {
                let mut r = Response::new(axum::body::Body::empty());
                *r.status_mut() = StatusCode::NOT_MODIFIED;
                r
            } else {
                Response::new(a.bytes.into())
            };
            r.headers_mut()
                .insert(header::ETAG, HeaderValue::from_static(etag));
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
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
