#import "Renderer.h"
#include <memory>

@implementation Renderer {
    std::unique_ptr<Engine> _engine;
}
@end
