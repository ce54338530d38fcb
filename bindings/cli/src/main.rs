//! `lamina`: classify Foreman-style estates into Puppet ENC documents.
mod cli;
mod cmd;

fn main() -> std::process::ExitCode {
    cli::run()
}
