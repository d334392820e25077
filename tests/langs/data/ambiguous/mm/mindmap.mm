<map version="1.0.1">
<node TEXT="Project">
<node TEXT="Tasks"/>
</node>
</map>
