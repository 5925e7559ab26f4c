//! Compiles the PostgreSQL variants of the API tests in only when `TEST_POSTGRES_URL` names a
//! server at build time, so that a run without PostgreSQL does not report them as passed. With the
//! variable set, they need that server and fail when it is unreachable.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(postgres_tests)");
    println!("cargo::rerun-if-env-changed=TEST_POSTGRES_URL");
    // Nothing else here depends on the sources; without this line any change would rerun us.
    println!("cargo::rerun-if-changed=build.rs");
    if std::env::var_os("TEST_POSTGRES_URL").is_some_and(|url| !url.is_empty()) {
        println!("cargo::rustc-cfg=postgres_tests");
    }
}
