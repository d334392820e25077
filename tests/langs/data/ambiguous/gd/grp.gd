DeclareGlobalFunction( "MyGroupOrder" );
DeclareAttribute( "IsNice", IsGroup );
