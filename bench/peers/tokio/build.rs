// Tells the program which tokio it was compiled against (TOKIO_PEER_TOKIO),
// so that every JSON line it prints names the version behind the figures.
// Cargo gives a build script no dependency versions, so this reads the
// resolved one from Cargo.lock.

fn main() {
    println!("cargo:rerun-if-changed=Cargo.lock");
    let lock = std::fs::read_to_string("Cargo.lock").unwrap_or_default();
    // Cargo.lock is a list of [[package]] tables, each starting with
    // `name = "..."` followed by `version = "..."`.
    let version = lock
        .split("[[package]]")
        .find(|table| table.contains("name = \"tokio\"\n"))
        .and_then(|table| table.lines().find_map(|l| l.strip_prefix("version = ")))
        .map(|v| v.trim_matches('"').to_string())
        .unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=TOKIO_PEER_TOKIO={version}");
}
