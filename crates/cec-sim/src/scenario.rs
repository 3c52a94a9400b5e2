//! The simulated tenant: credentials, agents, campaigns.

use serde::{Deserialize, Serialize};

/// An agent of the simulated tenant.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Agent {
    /// Agent (work) id, 101–999999.
    pub id: String,
    /// Sign-in password.
    pub password: String,
    /// Softphone number.
    pub phone: String,
    /// Skill queue ids the agent is configured for.
    pub skills: Vec<u32>,
}

/// An outbound campaign (CC-iSales).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Campaign {
    /// Campaign id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// 2 started, 3 suspended, 4 completed.
    pub status: i64,
    /// Device type (2 = skill-queue predicted…).
    pub device_type: i64,
}

/// The tenant the simulator serves. [`Scenario::default`] is what `cec demo` uses.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Scenario {
    /// Call center id.
    pub cc_id: i64,
    /// VDN id.
    pub vdn: i64,
    /// C2 access key (CMS, FS, iSales).
    pub ak: String,
    /// C2 secret key.
    pub sk: String,
    /// API Fabric app key (C1).
    pub app_key: String,
    /// API Fabric app secret (C1).
    pub app_secret: String,
    /// OIAP tenant id (`appKey`, C3/C6).
    pub oiap_app_key: String,
    /// OIAP API password (`appSecret`).
    pub oiap_app_secret: String,
    /// CC-Gateway configuration administrator (C5) id.
    pub config_admin_id: i64,
    /// Its password.
    pub config_admin_password: String,
    /// Web-chat channel configuration id.
    pub channel_id: String,
    /// Agents.
    pub agents: Vec<Agent>,
    /// Campaigns.
    pub campaigns: Vec<Campaign>,
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            cc_id: 1,
            vdn: 1,
            ak: "sim-ak".into(),
            sk: "sim-sk-0123456789".into(),
            app_key: "sim-app".into(),
            app_secret: "sim-app-secret".into(),
            oiap_app_key: "tenant001".into(),
            oiap_app_secret: "sim-api-password".into(),
            config_admin_id: 100_001,
            config_admin_password: "sim-config-pass".into(),
            channel_id: "web-channel-1".into(),
            agents: vec![
                Agent {
                    id: "1001".into(),
                    password: "sim-pass-1001".into(),
                    phone: "70001".into(),
                    skills: vec![1, 2],
                },
                Agent { id: "1002".into(), password: "sim-pass-1002".into(), phone: "70002".into(), skills: vec![1] },
            ],
            campaigns: vec![
                Campaign { id: 501, name: "spring sale".into(), status: 2, device_type: 2 },
                Campaign { id: 502, name: "renewals".into(), status: 3, device_type: 1 },
            ],
        }
    }
}
