//! The one integration-test binary. Modules live in `tests/it/`.

mod it;
