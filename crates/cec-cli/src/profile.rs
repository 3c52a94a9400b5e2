//! Endpoints and credentials: the library's loader (`cec_core::profile`), which
//! the NE crates' `Client::from_profile` / `from_env` use too.

use std::path::Path;

pub use cec_core::profile::Profile;

/// Loads profile `name` (a missing default file is an empty profile), then the environment.
/// Warns when the file holds a secret and others can read it.
pub fn load(flag: Option<&Path>, name: Option<&str>, env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<Profile> {
    if let Some(p) = cec_core::profile::config_path(flag, env) {
        crate::configure::warn_if_readable(&p);
    }
    Ok(Profile::load(flag, name, env)?)
}
