//! `lamina enc`: one host's document, as an exec ENC.

use crate::cli::{EXIT_INVALID, EXIT_UNKNOWN_HOST, EncClientArgs, EstateArg, Format};
use lamina_foreman::{enc, explain, resolve};
use lamina_yaml::emit;
use std::io::Write;
use std::process::ExitCode;

pub(crate) fn run(
    certname: &str,
    arg: &EstateArg,
    format: Format,
    do_explain: bool,
    show_hidden: bool,
    client: &EncClientArgs,
) -> ExitCode {
    // With --server nothing is loaded here: the estate lives behind `lamina serve`.
    if let Some(server) = &client.server {
        return super::client::run(certname, server, client);
    }
    // From a store, only this host's part of the estate is read.
    let loaded = match &arg.store {
        Some(url) => super::store::load_host(url, certname).map(|e| e.ok_or(())),
        None => super::load(arg).map(Ok),
    };
    let estate = match loaded {
        Ok(Ok(e)) => e,
        Ok(Err(())) => {
            eprintln!("lamina: unknown host {certname:?}");
            return ExitCode::from(EXIT_UNKNOWN_HOST);
        }
        Err(code) => return code,
    };
    let Some(host) = estate.host(certname) else {
        eprintln!("lamina: unknown host {certname:?}");
        return ExitCode::from(EXIT_UNKNOWN_HOST);
    };
    let out = resolve::resolve(&estate, host, do_explain).and_then(|r| {
        if do_explain {
            explain::explain(&r, show_hidden)
        } else {
            enc::document(&r).map(lamina::EncDocument::into_value)
        }
    });
    match out {
        Ok(doc) => {
            let text = match format {
                Format::Yaml => emit::to_yaml(&doc),
                Format::Json => emit::to_json_pretty(&doc) + "\n",
            };
            let mut stdout = std::io::stdout().lock();
            if stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()).is_err() {
                return ExitCode::from(EXIT_INVALID);
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("lamina: {e}");
            ExitCode::from(EXIT_INVALID)
        }
    }
}
