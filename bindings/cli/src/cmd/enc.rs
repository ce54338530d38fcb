//! `lamina enc`: one host's document, as an exec ENC.

use crate::cli::{EncClientArgs, EstateArg, Format};
use crate::failure::{Failure, Status, print};
use lamina::{EncDocument, Estate};

pub(crate) fn run(
    certname: &str,
    arg: &EstateArg,
    format: Format,
    do_explain: bool,
    show_hidden: bool,
    client: &EncClientArgs,
) -> Result<(), Failure> {
    // With --server nothing is loaded here: the estate lives behind `lamina serve`.
    if let Some(server) = &client.server {
        return super::client::run(certname, server, client);
    }
    // From a store, only this host's part of the estate is read.
    let estate = match &arg.store {
        Some(url) => Estate::open_host(url, certname).map_err(|errs| {
            Failure::Errors(errs, format!("cannot load host {certname} from {}", lamina::shown_url(url)))
        })?,
        None => Some(super::load(arg)?),
    };
    let found = estate.as_ref().and_then(|e| Some((e, e.host(certname)?)));
    let Some((estate, host)) = found else {
        // The closest certnames, on the command line only: whoever runs it reads the estate
        // anyway, while the server's 404 must not tell a caller which hosts exist.
        let hint = estate.as_ref().map_or_else(String::new, |e| {
            lamina_foreman::did_you_mean(certname, e.certnames().iter().map(String::as_str))
        });
        return Err(Failure::Message(Status::UnknownHost, format!("unknown host {certname:?}{hint}")));
    };
    let doc =
        if do_explain { estate.explain(host, show_hidden)? } else { estate.enc(host).map(EncDocument::into_value)? };
    let text = match format {
        Format::Yaml => lamina_yaml::to_yaml(&doc),
        Format::Json => lamina_yaml::to_json_pretty(&doc) + "\n",
    };
    print(text.as_bytes())
}
