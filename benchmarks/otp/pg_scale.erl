%% OTP counterparts of pgviz's scale scenarios (issue 15): the same measurements as
%% benchmarks/mesh.py, converge_many.py, memory.py and big_group.py, on OTP 25's `pg`.
%% Run through benchmarks/otp/run.sh (compiles this file, makes sure epmd runs on loopback):
%%
%%   run.sh mesh 10 | mesh 30 | converge 100000 10 | memory 1000000 100000 | biggroup 1000000
%%
%% Peers are started with `peer` (control over stdio: they die with this node), one OS process
%% each, on 127.0.0.1. Figures are printed as the anchors do:
%% RESULT <tab> name <tab> value <tab> unit <tab> note
-module(pg_scale).
-export([main/1]).
%% called on peers
-export([idle/0, lat_watcher/1, hold/2]).

main([Which | Args]) ->
    Code = try run(list_to_atom(Which), [list_to_integer(A) || A <- Args]), 0
           catch C:R:St ->
                   io:format(standard_error, "~s FAILED ~p:~p~n~p~n", [Which, C, R, St]),
                   1
           end,
    halt(Code).

%% ---------------------------------------------------------------------
%% join propagation in an N-node full mesh (A + N-1 peers, each its own OS process)
run(mesh, [Nodes]) ->
    run(mesh, [Nodes, 20, 200]);
run(mesh, [Nodes, Warm, N]) ->
    with_peers(Nodes - 1, fun(Peers) ->
        full_mesh(Peers),
        Self = self(),
        Ws = [spawn(Node, ?MODULE, lat_watcher, [Self]) || {_, Node} <- Peers],
        [receive {W, ready} -> ok end || W <- Ws],
        Samples = [mesh_one(Ws) || _ <- lists:seq(1, Warm + N)],
        Kept = lists:nthtail(Warm, Samples),
        Each = lists:append(Kept),
        Last = [lists:max(S) || S <- Kept],
        [W ! stop || W <- Ws],
        Pfx = "otp_mesh" ++ integer_to_list(Nodes),
        Note = io_lib:format("~b-node full mesh, one OS process per node on loopback: pg:join on A "
                             "-> {Ref,join,..} at a pg:monitor watcher on each of the other ~b; "
                             "one-way times pooled; ~b joins after ~b warm-up",
                             [Nodes, Nodes - 1, N, Warm]),
        result(Pfx ++ "_join_propagation_p50", pct(Each, 50) / 1000, "us", Note),
        result(Pfx ++ "_join_propagation_p99", pct(Each, 99) / 1000, "us", Note),
        result(Pfx ++ "_join_propagation_last_p50", pct(Last, 50) / 1000, "us",
               "same joins, until the last node saw it")
    end);

%% ---------------------------------------------------------------------
%% convergence: Holders peers hold Total members between them (100 groups), meshed among
%% themselves; A connects to each and waits until it sees every member
run(converge, [Total, Holders]) ->
    with_peers(Holders, false, fun(Peers) ->
        Each = Total div Holders,
        [ok = peer:call(P, ?MODULE, hold, [Each, 100], 120000) || {P, _} <- Peers],
        [_ = peer:call(P, net_kernel, connect_node, [N2], 60000)
         || {P, _} <- Peers, {_, N2} <- Peers],
        {Ref, #{}} = pg:monitor_scope(),
        T0 = erlang:monotonic_time(microsecond),
        [true = net_kernel:connect_node(Node) || {_, Node} <- Peers],
        ok = await_events(Ref, join, Each * Holders),
        T1 = erlang:monotonic_time(microsecond),
        Seen = lists:sum([length(pg:get_members(G)) || G <- pg:which_groups()]),
        Seen = Each * Holders,
        result("otp_converge_" ++ label(Total) ++ "_" ++ integer_to_list(Holders) ++ "n",
               (T1 - T0) / 1000, "ms",
               io_lib:format("A connects to ~b nodes holding ~b members each (100 groups) "
                             "-> all ~b visible on A (pg:monitor_scope events)",
                             [Holders, Each, Each * Holders]))
    end);

%% ---------------------------------------------------------------------
%% memory: per member at NMembers (groups of 1000, distinct pids) and per process at NProcs.
%% VmRSS as pgviz's memory.py reads it; erlang:memory(total) in the note.
run(memory, [NMembers, NProcs]) ->
    garbage_collect(),
    {R0, E0} = mem(),
    Ps = [spawn(fun idle/0) || _ <- lists:seq(1, NProcs)],
    {R1, E1} = mem(),
    [P ! stop || P <- Ps],
    result("otp_memory_per_process_" ++ label(NProcs), (R1 - R0) / NProcs, "bytes",
           io_lib:format("VmRSS growth per idle process, ~b spawned (erlang:memory(total): "
                         "~.1f B)", [NProcs, (E1 - E0) / NProcs])),
    timer:sleep(200),
    Members = [spawn(fun idle/0) || _ <- lists:seq(1, NMembers)],
    NGroups = max(1, NMembers div 1000),
    erlang:garbage_collect(whereis(pg)),
    {R2, E2} = mem(),
    join_all(Members, 0, NGroups),
    erlang:garbage_collect(whereis(pg)),
    {R3, E3} = mem(),
    NMembers = lists:sum([length(pg:get_members({m, G})) || G <- lists:seq(0, NGroups - 1)]),
    result("otp_memory_per_member_" ++ label(NMembers), (R3 - R2) / NMembers, "bytes",
           io_lib:format("VmRSS growth / members over ~b pg:join calls of distinct pids into "
                         "~b groups of 1000 (erlang:memory(total): ~.1f B)",
                         [NMembers, NGroups, (E3 - E2) / NMembers]));

%% ---------------------------------------------------------------------
%% one group of N distinct members: a join, the newest member's leave, the oldest's leave
run(biggroup, [N]) ->
    run(biggroup, [N, 21]);
run(biggroup, [N, Reps]) ->
    Members = [spawn(fun idle/0) || _ <- lists:seq(1, N)],
    ok = pg:join(big, lists:reverse(Members)),  % the first spawned ends oldest
    N = length(pg:get_members(big)),
    Fresh = spawn(fun idle/0),
    JL = [begin
              TJ = element(1, timer:tc(fun() -> ok = pg:join(big, Fresh) end)),
              TL = element(1, timer:tc(fun() -> ok = pg:leave(big, Fresh) end)),
              {TJ, TL}
          end || _ <- lists:seq(1, Reps)],
    {Join, Newest} = lists:unzip(JL),
    %% the oldest members, one after the other (each the oldest left when it goes)
    Old = lists:sublist(Members, min(Reps, 5)),
    OldestT = [element(1, timer:tc(fun() -> ok = pg:leave(big, P) end)) || P <- Old],
    ok = pg:join(big, lists:reverse(Old)),
    N = length(pg:get_members(big)),
    L = label(N),
    result("otp_biggroup_join_" ++ L, pct(Join, 50) * 1.0, "us",
           io_lib:format("pg:join of one pid into a group of ~b, median of ~b", [N, Reps])),
    result("otp_biggroup_leave_newest_" ++ L, pct(Newest, 50) * 1.0, "us",
           "pg:leave of the member joined last"),
    result("otp_biggroup_leave_oldest_" ++ L, pct(OldestT, 50) * 1.0, "us",
           "pg:leave of the member joined first").

join_all([], _, _) -> ok;
join_all([P | Ps], I, NGroups) ->
    ok = pg:join({m, I rem NGroups}, P),
    join_all(Ps, I + 1, NGroups).

mem() ->
    garbage_collect(),
    {ok, S} = file:read_file("/proc/self/status"),
    [_, Rest] = binary:split(S, <<"VmRSS:">>),
    [Kb | _] = string:lexemes(binary_to_list(Rest), " \t\n"),
    {list_to_integer(Kb) * 1024, erlang:memory(total)}.

label(N) when N >= 1000000, N rem 1000000 =:= 0 -> integer_to_list(N div 1000000) ++ "m";
label(N) when N >= 1000, N rem 1000 =:= 0 -> integer_to_list(N div 1000) ++ "k";
label(N) -> integer_to_list(N).

%% ---------------------------------------------------------------------
%% on peers
idle() -> receive stop -> ok end.

lat_watcher(Parent) ->
    {Ref, _} = pg:monitor(lat),
    Parent ! {self(), ready},
    lat_watch(Parent, Ref).
lat_watch(Parent, Ref) ->
    receive
        {Ref, Ev, lat, _Pids} ->
            Parent ! {self(), Ev, os:system_time(nanosecond)},
            lat_watch(Parent, Ref);
        stop -> ok
    end.

hold(N, NGroups) ->
    Pids = [spawn(fun idle/0) || _ <- lists:seq(1, N)],
    ByGroup = lists:foldl(fun({I, P}, Acc) ->
                                  maps:update_with({cg, I rem NGroups}, fun(L) -> [P | L] end,
                                                   [P], Acc)
                          end, #{}, lists:zip(lists:seq(1, N), Pids)),
    maps:foreach(fun(G, Ps) -> ok = pg:join(G, Ps) end, ByGroup).

%% ---------------------------------------------------------------------
mesh_one(Ws) ->
    P = spawn(fun idle/0),
    T0 = os:system_time(nanosecond),
    ok = pg:join(lat, P),
    Times = [receive {W, join, T1} -> T1 - T0 end || W <- Ws],
    ok = pg:leave(lat, P),
    [receive {W, leave, _} -> ok end || W <- Ws],
    exit(P, kill),
    Times.

full_mesh(Peers) ->
    Want = length(Peers),
    [_ = peer:call(P, net_kernel, connect_node, [N2], 60000) || {P, _} <- Peers, {_, N2} <- Peers],
    ok = wait_until(fun() ->
                            length(nodes()) =:= Want andalso
                                lists:all(fun({P, _}) -> length(peer:call(P, erlang, nodes, []))
                                                             =:= Want end, Peers)
                    end),
    %% both pg scopes of every pair know each other: a probe on each node seen everywhere
    Probe = spawn(fun idle/0),
    ok = pg:join(overlay_probe, Probe),
    [_ = spawn(Node, fun() -> ok = pg:join(overlay_probe, self()), idle() end) || {_, Node} <- Peers],
    ok = wait_until(fun() ->
                            lists:all(fun({_, Node}) ->
                                              length(erpc:call(Node, pg, get_members,
                                                               [overlay_probe])) =:= Want + 1
                                      end, Peers)
                                andalso length(pg:get_members(overlay_probe)) =:= Want + 1
                    end).

await_events(_Ref, _Ev, Left) when Left =< 0 -> ok;
await_events(Ref, Ev, Left) ->
    receive {Ref, Ev, _Group, Pids} -> await_events(Ref, Ev, Left - length(Pids))
    after 60000 -> error({timeout, Ev, Left})
    end.

%% ---------------------------------------------------------------------
with_peers(K, Fun) -> with_peers(K, true, Fun).
with_peers(K, Connect, Fun) ->
    Dir = filename:dirname(code:which(?MODULE)),
    Peers = [start_peer(Dir, I) || I <- lists:seq(1, K)],
    try
        Connect andalso [true = net_kernel:connect_node(N) || {_, N} <- Peers],
        Fun(Peers)
    after
        [catch peer:stop(P) || {P, _} <- Peers]
    end.

start_peer(Dir, I) ->
    {ok, Peer, Node} = peer:start_link(#{
        name => "pg_scale_" ++ integer_to_list(I), host => "127.0.0.1", longnames => true,
        connection => standard_io,
        args => ["-setcookie", atom_to_list(erlang:get_cookie()), "-pa", Dir,
                 "-start_epmd", "false", "+P", "4000000",
                 "-kernel", "inet_dist_use_interface", "{127,0,0,1}",
                 "-kernel", "start_pg", "true"]}),
    OsPid = peer:call(Peer, os, getpid, []),
    case os:getenv("PG_BENCH_PIDFILE") of
        false -> ok;
        File -> ok = file:write_file(File, [OsPid, $\n], [append])
    end,
    {Peer, Node}.

wait_until(F) -> wait_until(F, 30000).
wait_until(_F, 0) -> timeout;
wait_until(F, Tries) ->
    case F() of
        true -> ok;
        false -> timer:sleep(1), wait_until(F, Tries - 1)
    end.

pct(Samples, P) ->
    Sorted = lists:sort(Samples),
    lists:nth(max(1, ceil(P / 100 * length(Sorted))), Sorted).

result(Name, Value, Unit, Note) ->
    io:format("RESULT\t~s\t~s\t~s\t~s~n",
              [Name, float_to_list(float(Value), [{decimals, 1}]), Unit, Note]).
