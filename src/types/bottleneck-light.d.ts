// bottleneck/light.js is the build @octokit/plugin-throttling itself uses; its API is Bottleneck's.
declare module 'bottleneck/light.js' {
  import Bottleneck from 'bottleneck'
  export default Bottleneck
}
