"""GLSL sources of the batch renderer.

One vertex shader serves every pass. It places an instance's vertex in the world, projects it
with its scene's camera, squeezes the scene's clip space into the scene's tile of the shared
framebuffer, and clips against the tile's borders with ``gl_ClipDistance`` so that no
triangle spills into a neighbour's tile. With ``LIGHTING`` defined it also evaluates the
lighting per vertex (OpenGL's fixed-function model, which MuJoCo's classic renderer uses):
emission + global ambient + for every light attenuation · spot · (ambient + diffuse ·
max(n·l, 0) + specular · max(n·h, 0)^shininess), clamped to [0, 1].

Per-scene data (camera and lights) is a shader storage buffer of ``vec4`` texels,
``SCENE_WIDTH`` per scene (plain memory loads: much cheaper per vertex than texture fetches on
a software rasteriser); the layout is written by ``renderer._scene_row``:

====  =====================================================================
texel contents
====  =====================================================================
0-3   view-projection matrix, by columns
4     camera position (xyz)
5     global ambient colour (rgb), number of lights (w)
6+6i  light i: position, kind (0 directional, 1 point, 2 spot)
7+6i  direction (unit, where the light shines), cos(spot cutoff)
8+6i  ambient colour, spot exponent
9+6i  diffuse colour
10+6i specular colour
11+6i attenuation (constant, linear, quadratic)
====  =====================================================================
"""

from __future__ import annotations

SCENE_TEXELS_FIXED = 6
TEXELS_PER_LIGHT = 6

VERTEX = """
in vec3 in_pos;
in vec3 in_nrm;
in vec2 in_uv;
in vec4 i_m0;        // rows of the model matrix [R*S | t]
in vec4 i_m1;
in vec4 i_m2;
in vec3 i_n0;        // rows of the normal matrix R*S^-1
in vec3 i_n1;
in vec3 i_n2;
in vec4 i_rgba;
in vec4 i_mat;       // specular, shininess exponent, emission, unused
in vec3 i_trep;      // texture repeat
in vec2 i_toff;      // texture offset
in ivec4 i_ids;      // scene, segment, texture layer, mapping (0 none, 1 uv, 2 planar, 3 cube)
                     //   + 16 for sRGB textures

layout(std430, binding = 0) readonly buffer Scenes { vec4 u_scenes[]; };
uniform ivec2 u_grid;  // tile columns, rows
uniform int u_width;   // texels per scene

out vec4 v_color;
out vec3 v_tex;
out float v_depth;
flat out ivec3 v_ids;  // segment, layer, mapping

vec4 scene_texel(int s, int i) { return u_scenes[s * u_width + i]; }

float power(float x, float e) { return e > 0.0 ? pow(max(x, 0.0), e) : 1.0; }

#ifdef LIGHTING
vec4 lighting(int s, vec3 p, vec3 n) {
    vec3 eye = normalize(scene_texel(s, 4).xyz - p);
    vec4 global = scene_texel(s, 5);
    vec3 base = i_rgba.rgb;
    vec3 color = i_mat.z * base + global.rgb * base;
    int count = int(global.w);
    for (int i = 0; i < count; i++) {
        int t = 6 + 6 * i;
        vec4 pos = scene_texel(s, t);
        vec4 dir = scene_texel(s, t + 1);
        vec4 amb = scene_texel(s, t + 2);
        vec3 l = -dir.xyz;
        float k = 1.0;
        if (pos.w > 0.5) {  // point or spot: attenuation, cone
            vec3 to_light = pos.xyz - p;
            float dist = length(to_light);
            l = to_light / max(dist, 1e-12);
            vec3 att = scene_texel(s, t + 5).xyz;
            k = 1.0 / (att.x + att.y * dist + att.z * dist * dist);
            if (pos.w > 1.5) {
                float c = dot(-l, dir.xyz);
                k *= c >= dir.w ? power(c, amb.w) : 0.0;
            }
        }
        float nl = max(dot(n, l), 0.0);
        float spec = nl > 0.0 ? power(dot(n, normalize(l + eye)), i_mat.y) : 0.0;
        color += k * (amb.rgb * base + nl * scene_texel(s, t + 3).rgb * base
                      + spec * i_mat.x * scene_texel(s, t + 4).rgb);
    }
    return vec4(clamp(color, 0.0, 1.0), i_rgba.a);
}
#endif

void main() {
    int s = i_ids.x;
    vec4 local = vec4(in_pos, 1.0);
    vec3 world = vec3(dot(i_m0, local), dot(i_m1, local), dot(i_m2, local));
    mat4 view_proj = mat4(scene_texel(s, 0), scene_texel(s, 1), scene_texel(s, 2),
                          scene_texel(s, 3));
    vec4 clip = view_proj * vec4(world, 1.0);
    // this scene's tile: column s % cols, row s / cols from the top
    vec2 cell = 1.0 / vec2(u_grid);
    vec2 tile = vec2(s % u_grid.x, u_grid.y - 1 - s / u_grid.x);
    gl_Position = vec4((clip.xy + clip.w) * cell + clip.w * (2.0 * tile * cell - 1.0),
                       clip.z, clip.w);
    gl_ClipDistance[0] = clip.w + clip.x;
    gl_ClipDistance[1] = clip.w - clip.x;
    gl_ClipDistance[2] = clip.w + clip.y;
    gl_ClipDistance[3] = clip.w - clip.y;
    v_depth = clip.w;  // distance along the optical axis
    v_ids = i_ids.yzw;
    int mapping = i_ids.w & 15;
    v_tex = mapping == 3 ? in_pos * i_trep
          : vec3((mapping == 2 ? in_pos.xy : in_uv) * i_trep.xy + i_toff, 0.0);
#ifdef LIGHTING
    vec3 n = normalize(vec3(dot(i_n0, in_nrm), dot(i_n1, in_nrm), dot(i_n2, in_nrm)));
    v_color = lighting(s, world, n);
#else
    v_color = i_rgba;
#endif
}
"""

_FRAGMENT_COMMON = """
in vec4 v_color;
in vec3 v_tex;
in float v_depth;
flat in ivec3 v_ids;
"""

SHADE = _FRAGMENT_COMMON + """
uniform sampler2DArray u_textures;  // repeating, for 2D textures
uniform sampler2DArray u_cube;      // the same layers clamped to their edges, for cube faces

layout(location = 0) out vec4 f_color;
layout(location = 1) out float f_depth;
layout(location = 2) out int f_segment;

// OpenGL's cube-map face selection: the face's s, t and major axes (sc = S.r, tc = T.r,
// ma = M.r); the caller divides and takes derivatives on that one face, as GL does
mat3 cube_face(vec3 r, out float face) {
    vec3 a = abs(r);
    if (a.x >= a.y && a.x >= a.z) {
        face = r.x > 0.0 ? 0.0 : 1.0;
        float sx = r.x > 0.0 ? 1.0 : -1.0;
        return mat3(vec3(0.0, 0.0, -sx), vec3(0.0, -1.0, 0.0), vec3(sx, 0.0, 0.0));
    }
    if (a.y >= a.z) {
        face = r.y > 0.0 ? 2.0 : 3.0;
        float sy = r.y > 0.0 ? 1.0 : -1.0;
        return mat3(vec3(1.0, 0.0, 0.0), vec3(0.0, 0.0, sy), vec3(0.0, sy, 0.0));
    }
    face = r.z > 0.0 ? 4.0 : 5.0;
    float sz = r.z > 0.0 ? 1.0 : -1.0;
    return mat3(vec3(sz, 0.0, 0.0), vec3(0.0, -1.0, 0.0), vec3(0.0, 0.0, sz));
}

vec2 face_st(mat3 f, vec3 r) { return 0.5 * vec2(dot(f[0], r), dot(f[1], r)) / dot(f[2], r) + 0.5; }

vec2 face_grad(mat3 f, vec3 r, vec3 dr) {
    float ma = dot(f[2], r);
    vec2 sc = vec2(dot(f[0], r), dot(f[1], r));
    return 0.5 * (vec2(dot(f[0], dr), dot(f[1], dr)) * ma - sc * dot(f[2], dr)) / (ma * ma);
}

vec3 srgb_to_linear(vec3 c) {
    return mix(c / 12.92, pow((c + 0.055) / 1.055, vec3(2.4)), step(0.04045, c));
}

void main() {
    int mapping = v_ids.z & 15;
    vec3 dx = dFdx(v_tex);
    vec3 dy = dFdy(v_tex);
    vec4 texel;
    if (mapping == 3) {  // a cube texture: six layers
        float face;
        mat3 f = cube_face(v_tex, face);
        texel = textureGrad(u_cube, vec3(face_st(f, v_tex), float(v_ids.y) + face),
                            face_grad(f, v_tex, dx), face_grad(f, v_tex, dy));
    } else {
        texel = textureGrad(u_textures, vec3(v_tex.xy, float(max(v_ids.y, 0))), dx.xy, dy.xy);
    }
    if ((v_ids.z & 16) != 0) texel.rgb = srgb_to_linear(texel.rgb);
    f_color = mapping == 0 ? v_color : v_color * texel;
    f_depth = v_depth;
    f_segment = v_ids.x;
}
"""

DEPTH = _FRAGMENT_COMMON + """
layout(location = 0) out float f_depth;
layout(location = 1) out int f_segment;

void main() {
    f_depth = v_depth;
    f_segment = v_ids.x;
}
"""


def source(body: str, *defines: str) -> str:
    """A complete shader: the version line, ``#define`` lines, then ``body``."""
    return "#version 430\n" + "".join(f"#define {d}\n" for d in defines) + body
