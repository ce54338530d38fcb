//! Argument parsing and dispatch.

use crate::cmd;
use crate::failure::Failure;
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(name = "lamina", version, about = "Fast, Foreman-compatible parameter resolution for Puppet estates")]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub(crate) enum Format {
    Yaml,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub(crate) enum RenderFormat {
    Yaml,
    Json,
    Jsonl,
}

#[derive(clap::Args, Debug, Clone)]
pub(crate) struct EstateArg {
    /// Estate file or directory [default: $LAMINA_ESTATE, then the bundled demo estate]
    #[arg(long, env = "LAMINA_ESTATE", conflicts_with = "store")]
    pub(crate) estate: Option<PathBuf>,
    /// Read the estate from a store instead: `sqlite://PATH` or `postgres://...`
    #[arg(long, env = "LAMINA_STORE")]
    pub(crate) store: Option<String>,
}

/// `lamina foreman ...`.
#[derive(clap::Subcommand, Debug)]
pub(crate) enum ForemanCommand {
    /// Read the estate out of Foreman's API (hosts with their facts, host groups, smart class
    /// parameters, taxonomies, ...) into estate files; `--verify` compares every host's ENC.
    Pull(cmd::foreman::PullArgs),
}

/// `lamina enc --server`: the thin client a Puppet master runs as its exec ENC.
#[derive(clap::Args, Debug, Clone)]
pub(crate) struct EncClientArgs {
    /// Ask a `lamina serve` at this URL (`http://HOST:PORT`) instead of reading an estate; on a
    /// timeout, connection failure or 5xx the last good copy from --cache-dir is printed.
    #[arg(long, value_name = "URL", conflicts_with_all = ["explain", "format"])]
    pub(crate) server: Option<String>,
    /// With --server: give up on the server after this many seconds (fact push included).
    #[arg(long, value_name = "S", default_value_t = 10.0, requires = "server")]
    pub(crate) timeout: f64,
    /// With --server: keep each good answer in `DIR/CERTNAME.yaml`, served when the server is down.
    #[arg(long, value_name = "DIR", requires = "server")]
    pub(crate) cache_dir: Option<PathBuf>,
    /// With --server: first PUT this facts file (JSON or YAML) to `/v1/hosts/CERTNAME/facts`.
    #[arg(long, value_name = "FILE", requires = "server")]
    pub(crate) push_facts: Option<PathBuf>,
    /// With --server: send the token on this file's first line (`Authorization: Bearer`).
    #[arg(long = "token-file", value_name = "FILE", requires = "server")]
    pub(crate) token_file: Option<PathBuf>,
    /// With an https:// --server: trust the CAs in this PEM file (Puppet's `ca.pem`) instead of
    /// the system's.
    #[arg(long = "ca", value_name = "PEM", requires = "server")]
    pub(crate) ca: Option<PathBuf>,
    /// With an https:// --server: present this client certificate (PEM; the master's own).
    #[arg(long = "cert", value_name = "PEM", requires_all = ["server", "key"])]
    pub(crate) cert: Option<PathBuf>,
    /// The private key of --cert (PEM).
    #[arg(long = "key", value_name = "PEM", requires_all = ["server", "cert"])]
    pub(crate) key: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// Print one host's ENC document, as Puppet's exec node terminus expects it.
    Enc {
        /// The host's certname (what Puppet passes to the ENC).
        certname: String,
        #[command(flatten)]
        estate: EstateArg,
        /// Output format.
        #[arg(long, value_enum, default_value = "yaml")]
        format: Format,
        /// Explain where every value came from instead of printing the document.
        #[arg(long)]
        explain: bool,
        /// With --explain: show hidden values instead of `*****`.
        #[arg(long, requires = "explain")]
        show_hidden: bool,
        #[command(flatten)]
        client: EncClientArgs,
    },
    /// Render every host's ENC document in parallel.
    Render {
        #[command(flatten)]
        estate: EstateArg,
        /// Output directory (one file per host), or `-` for standard output. Without it,
        /// documents are rendered and only the summary is printed.
        #[arg(long)]
        out: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value = "yaml")]
        format: RenderFormat,
    },
    /// Look up Hiera keys as Puppet's `lookup()` does (flags spelled as `puppet lookup`'s).
    Lookup(Box<cmd::lookup::LookupArgs>),
    /// Load an estate into a store (SQLite or PostgreSQL), validated, in one transaction.
    Import(cmd::store::ImportArgs),
    /// Write a store's estate back as estate files.
    Export(cmd::store::ExportArgs),
    /// Serve ENC documents, Hiera lookups and the write API over HTTP.
    #[command(args_override_self = true)]
    Serve(cmd::serve::ServeArgs),
    /// What a change to the data does to every host's ENC document (exit 0: nothing, 1: some
    /// hosts differ, 2: an error).
    Diff(cmd::diff::DiffArgs),
    /// Every smart class parameter the ENC sends, against a Hiera lookup of `class::key` for the
    /// same host: the mismatches with both provenances (exit 0: none, 1: some, 2: an error).
    MigrateCheck(cmd::migrate::MigrateCheckArgs),
    /// The estate's smart class parameters as a Hiera 5 hierarchy and data files (`--out DIR`:
    /// `hiera.yaml` and `data/`), with a note for what Hiera cannot reproduce.
    ExportHiera(cmd::migrate::ExportHieraArgs),
    /// Work with a running Foreman.
    Foreman {
        #[command(subcommand)]
        command: ForemanCommand,
    },
    /// Validate an estate and print a summary.
    Check {
        #[command(flatten)]
        estate: EstateArg,
    },
    /// Corpus tools.
    Corpus {
        #[command(subcommand)]
        command: CorpusCommand,
    },
    /// Print shell completions (`lamina completions bash > /etc/bash_completion.d/lamina`).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff: `lamina man | man -l -`).
    Man,
}

#[derive(Subcommand, Debug)]
pub(crate) enum CorpusCommand {
    /// Generate a large, realistic estate deterministically.
    Generate {
        /// Number of hosts.
        #[arg(long, default_value_t = 1000)]
        hosts: usize,
        /// Seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output directory (created; must be empty or absent).
        #[arg(long)]
        out: PathBuf,
    },
}

pub(crate) fn run() -> Result<(), Failure> {
    let args = cmd::serve::with_config(std::env::args_os().collect())?;
    let cli = Cli::parse_from(args);
    match cli.command {
        Command::Enc { certname, estate, format, explain, show_hidden, client } => {
            cmd::enc::run(&certname, &estate, format, explain, show_hidden, &client)
        }
        Command::Render { estate, out, format } => cmd::render::run(&estate, out.as_deref(), format),
        Command::Check { estate } => cmd::check(&estate),
        Command::Diff(args) => cmd::diff::run(&args),
        Command::MigrateCheck(args) => cmd::migrate::run(&args),
        Command::ExportHiera(args) => cmd::migrate::export(&args),
        Command::Foreman { command: ForemanCommand::Pull(args) } => cmd::foreman::pull(&args),
        Command::Lookup(args) => cmd::lookup::run(&args),
        Command::Import(args) => cmd::store::import(&args),
        Command::Export(args) => cmd::store::export(&args),
        Command::Serve(args) => cmd::serve::run(&args),
        Command::Corpus { command: CorpusCommand::Generate { hosts, seed, out } } => cmd::generate(hosts, seed, &out),
        Command::Completions { shell } => cmd::docs::completions(shell),
        Command::Man => cmd::docs::man(),
    }
}
