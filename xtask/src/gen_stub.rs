//! Generates an NE crate's `src/generated/stub.rs`: one service trait with a method per
//! interface (google-cloud-rust's `stub` module), implemented by the HTTP client, so a
//! user can put a hand-written fake behind code written against the trait.

use std::fmt::Write as _;

use crate::gen_client::{HEADER, RESERVED, body_setters, cfg_attr, feature_of, method_name, op_names, params};
use crate::names::{doc, pascal};
use crate::spec::{Interface, Spec};

/// `cec-cms` → `CmsService`.
pub fn trait_name(spec: &Spec) -> String {
    format!("{}Service", pascal(spec.krate.trim_start_matches("cec-")))
}

/// `agent.agentstatusinfobyagentids` → `AgentAgentstatusinfobyagentidsRequest`.
pub fn request_name(i: &Interface) -> String {
    format!("{}Request", pascal(&i.id))
}

/// The `set_x` (or `set_x_opt`) name of each path/query/header parameter, as the builder has it.
fn param_opt_setters(i: &Interface) -> Vec<String> {
    let ps = params(i);
    let mut taken: std::collections::BTreeSet<String> = RESERVED.iter().map(|s| s.to_string()).collect();
    taken.extend(ps.iter().map(|p| p.name.clone()));
    taken.extend(body_setters(i));
    ps.iter()
        .map(|p| {
            let mut o = format!("set_{}", p.name);
            while !taken.insert(o.clone()) {
                o.push_str("_opt");
            }
            o
        })
        .collect()
}

/// The request type of one interface: its parameters and body (or the body alone).
fn request_type(i: &Interface) -> String {
    let (_, body, _) = op_names(i);
    let name = request_name(i);
    let ps = params(i);
    let has_body = !i.body.is_empty();
    let mut s = String::new();
    if ps.is_empty() && has_body {
        let _ = writeln!(s, "/// The request of `{}`: its body.\npub type {name} = super::{body};\n", i.id);
        return s;
    }
    let _ = writeln!(
        s,
        "/// The request of `{}`: its path, query and header parameters{}.\n#[derive(Debug, Clone, Default, PartialEq)]\npub struct {name} {{",
        i.id,
        if has_body { " and its body" } else { "" }
    );
    for p in &ps {
        let d = if p.f.desc.is_empty() { p.f.name.clone() } else { p.f.desc.clone() };
        let _ = writeln!(s, "    /// {} parameter `{}`: {}", p.kind, p.f.name, doc(&d));
        let _ = writeln!(s, "    pub {}: Option<{}>,", p.name, p.ty);
    }
    if has_body {
        let _ = writeln!(s, "    /// The body.\n    pub body: super::{body},");
    }
    s.push_str("}\n\n");
    s
}

fn output(i: &Interface) -> String {
    let (_, _, resp) = op_names(i);
    if i.response_kind == "binary" { "cec_core::BinaryResponse".into() } else { format!("super::{resp}") }
}

/// `crates/<crate>/src/generated/stub.rs`.
pub fn stub_module(spec: &Spec) -> String {
    let tr = trait_name(spec);
    let mut s = String::from(HEADER);
    let _ = writeln!(
        s,
        "//! The service trait of {ne}: one method per interface, taking the request and returning\n//! the typed answer, so code written against [`{tr}`] can run on a hand-written fake in\n//! unit tests. [`crate::Client`] implements it by sending the request (tenant defaults,\n//! validation and retries as with the builders).\n//!\n//! Every method has a default body that fails with `ErrorKind::Usage` (\"not implemented\"),\n//! so a fake implements only what its test needs, and a new interface in a later version\n//! is not a breaking change for implementors.\n",
        ne = spec.ne
    );
    s.push_str("#![allow(clippy::all, clippy::pedantic, unused_imports, rustdoc::all)]\n\n");
    s.push_str("use std::future::Future;\n\nuse cec_core::CallOptions;\n\n");
    for i in &spec.interfaces {
        s.push_str(&cfg_attr(feature_of(spec, i)));
        s.push_str(&request_type(i));
    }
    if !spec.optional_groups.is_empty() {
        // Unused when every optional group is off.
        s.push_str("#[allow(dead_code)]\n");
    }
    s.push_str("/// The error of a method the implementation does not provide.\nfn unimplemented(op: &'static str) -> crate::Error {\n    crate::Error::from(cec_core::Error::new(cec_core::ErrorKind::Usage, \"not implemented by this service implementation\").with_operation(op))\n}\n\n");
    let _ = writeln!(
        s,
        "/// {ne}, one method per interface: implemented by [`crate::Client`] (HTTP) and by your\n/// fakes in unit tests. Write code against `impl {tr}` (or a generic `S: {tr}`) to test it\n/// without a server.\n///\n/// ```\n/// use {krate}::CallOptions;\n/// use {krate}::stub::{tr};\n///\n/// /// A fake that implements nothing: every call fails with `ErrorKind::Usage`.\n/// struct Fake;\n/// impl {tr} for Fake {{}}\n///\n/// async fn first_call(service: &impl {tr}) -> Result<(), {krate}::Error> {{\n///     service.{first}(Default::default(), CallOptions::default()).await?;\n///     Ok(())\n/// }}\n/// let _ = first_call(&Fake);\n/// ```\npub trait {tr}: Send + Sync {{",
        ne = spec.ne,
        krate = spec.krate.replace('-', "_"),
        first = spec.interfaces.first().map(method_name).unwrap_or_default(),
    );
    for i in &spec.interfaces {
        let f = method_name(i);
        s.push_str(&cfg_attr(feature_of(spec, i)).replace("#[", "    #["));
        let _ = writeln!(
            s,
            "    /// `{}` — {} (`{} {}`); reference: <{}>. See [`crate::Client::{f}`].\n    fn {f}(&self, req: {}, options: CallOptions) -> impl Future<Output = Result<{}, crate::Error>> + Send {{\n        let _ = (req, options);\n        std::future::ready(Err(unimplemented({})))\n    }}",
            i.id,
            doc(&i.title),
            i.method,
            i.path,
            i.doc,
            request_name(i),
            output(i),
            crate::names::lit(&i.id),
        );
    }
    s.push_str("}\n\n");
    let _ = writeln!(s, "impl {tr} for crate::Client {{");
    for i in &spec.interfaces {
        let f = method_name(i);
        let (bname, _, _) = op_names(i);
        let ps = params(i);
        let mut chain = format!("super::{bname}::new(self.clone())");
        let direct_body = ps.is_empty() && !i.body.is_empty();
        for (p, set) in ps.iter().zip(param_opt_setters(i)) {
            let _ = write!(chain, ".{set}(req.{})", p.name);
        }
        if direct_body {
            chain.push_str(".body(req)");
        } else if !i.body.is_empty() {
            chain.push_str(".body(req.body)");
        }
        let unused = if ps.is_empty() && i.body.is_empty() { "        let _ = req;\n" } else { "" };
        s.push_str(&cfg_attr(feature_of(spec, i)).replace("#[", "    #["));
        let _ = writeln!(
            s,
            "    fn {f}(&self, req: {}, options: CallOptions) -> impl Future<Output = Result<{}, crate::Error>> + Send {{\n{unused}        {chain}.customize(move |o| *o = options).send()\n    }}",
            request_name(i),
            output(i),
        );
    }
    s.push_str("}\n");
    s
}
