//! picket: an early-warning monitor for aircraft of interest, on Mode S / ADS-B data.

mod decode;
mod demo;
mod demo_driver;
mod history;
mod http;
mod import;
mod mlat;
mod query;
mod replay;
mod run;
mod simulate;
mod track;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// picket: watch the aircraft that matter, from 1090 MHz Mode S and ADS-B data.
#[derive(Debug, Parser)]
#[command(name = "picket", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Decode frames from a file or stdin: one JSON object per frame, or a summary.
    Decode(decode::DecodeArgs),
    /// Turn a scenario into the frames (or IQ samples) receivers would hear, and its truth.
    Simulate(simulate::SimulateArgs),
    /// Track every aircraft: a table at the end (or every N data seconds), or JSON states.
    Track(track::TrackArgs),
    /// Watch: frames from files or a scenario through rules and detectors to alert sinks.
    Run(Box<run::RunArgs>),
    /// The demo: the built-in scenarios played faster than real time, with the live map at
    /// http://127.0.0.1:8080/.
    Demo(demo::DemoArgs),
    /// Multilateration: positions of replies heard by several receivers' recordings.
    Mlat(mlat::MlatArgs),
    /// Ask the history store: events, aircraft, tracks, deployments, the sky at a time.
    Query(Box<query::QueryArgs>),
    /// Feed stored frames through the engine again: the alerts as JSON lines.
    Replay(replay::ReplayArgs),
    /// Import public history (readsb traces, traffic/OpenSky) into a store.
    Import(import::ImportArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Decode(args) => decode::run(&args),
        Command::Simulate(args) => simulate::run(&args),
        Command::Track(args) => track::run(&args),
        Command::Run(args) => run::run(&args),
        Command::Demo(args) => demo::run(&args),
        Command::Mlat(args) => mlat::run(&args),
        Command::Query(args) => query::run(&args),
        Command::Replay(args) => replay::run(&args),
        Command::Import(args) => import::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("picket: {e:#}");
            ExitCode::FAILURE
        }
    }
}
