//! rtl_tcp
