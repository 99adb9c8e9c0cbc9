-- An empty on_bar: the host -> Lua callback cost per bar.
function on_bar(ctx, bar) end
