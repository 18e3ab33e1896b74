//! picket-world: geodesy, airports, zones and the event vocabulary shared by the engine and the simulator.
